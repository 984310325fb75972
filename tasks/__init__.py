"""Background work: the broker (broker.py), middleware, actors (actors.py), the scheduler.

The worker's entry module is `tasks.worker`: it installs the broker, then imports the actors.
"""
