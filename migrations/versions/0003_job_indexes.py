"""job indexes in each list filter's sort order, and for the ETA's queries

Revision ID: 0003_job_indexes
Revises: 0002_scheduler_leases
Create Date: 2026-11-23 19:45:00

"""
from alembic import op


revision = '0003_job_indexes'
down_revision = '0002_scheduler_leases'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('idx_created', table_name='jobs')
    op.create_index('idx_created', 'jobs', ['created_at', 'id'])
    op.drop_index('idx_user_status', table_name='jobs')
    op.create_index('idx_user_status', 'jobs', ['user_id', 'status', 'created_at', 'id'])
    op.drop_index('idx_type_status', table_name='jobs')
    op.create_index('idx_status_created', 'jobs', ['status', 'created_at', 'id'])
    op.create_index('idx_type_created', 'jobs', ['type', 'created_at', 'id'])
    op.create_index('idx_type_status_completed', 'jobs', ['type', 'status', 'completed_at'])
    op.create_index('idx_queue_status_created', 'jobs', ['queue', 'status', 'created_at', 'id'])
    op.create_index('idx_message', 'jobs', ['message_id'])


def downgrade():
    op.drop_index('idx_message', table_name='jobs')
    op.drop_index('idx_queue_status_created', table_name='jobs')
    op.drop_index('idx_type_status_completed', table_name='jobs')
    op.drop_index('idx_type_created', table_name='jobs')
    op.drop_index('idx_status_created', table_name='jobs')
    op.create_index('idx_type_status', 'jobs', ['type', 'status'])
    op.drop_index('idx_user_status', table_name='jobs')
    op.create_index('idx_user_status', 'jobs', ['user_id', 'status'])
    op.drop_index('idx_created', table_name='jobs')
    op.create_index('idx_created', 'jobs', ['created_at'])
