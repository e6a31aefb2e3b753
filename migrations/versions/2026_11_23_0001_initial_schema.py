"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:18:59.170355
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cpv_codes',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_cpv_codes'))
    )
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(ags) = 8', name=op.f('ck_members_ags_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('ags', name=op.f('uq_members_ags'))
    )
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('contract_term_months', sa.Integer(), nullable=False),
    sa.Column('extension_months', sa.Integer(), nullable=False),
    sa.Column('max_quantity_buffer_pct', sa.BigInteger(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('contract_term_months > 0', name=op.f('ck_rounds_term_positive')),
    sa.CheckConstraint('extension_months >= 0', name=op.f('ck_rounds_extension_nonnegative')),
    sa.CheckConstraint('max_quantity_buffer_pct >= 0', name=op.f('ck_rounds_buffer_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('code', name=op.f('uq_rounds_code'))
    )
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_failures_email_at', ['email', 'at'], unique=False)

    op.create_table('units',
    sa.Column('code', sa.String(length=3), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('symbol', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_units'))
    )
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('cpv_code', sa.String(length=10), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cpv_code'], ['cpv_codes.code'], name=op.f('fk_categories_cpv_code_cpv_codes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_categories_name'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_cpv_code'), ['cpv_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_categories_sort_order'), ['sort_order'], unique=False)

    op.create_table('delivery_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=5), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_delivery_sites_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_sites')),
    sa.UniqueConstraint('member_id', 'name', name=op.f('uq_delivery_sites_member_id_name'))
    )
    with op.batch_alter_table('delivery_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_sites_member_id'), ['member_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('officer', 'coordinator', 'finance', 'admin', name='user_role', native_enum=False, length=20), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role <> 'officer' OR member_id IS NOT NULL", name=op.f('ck_users_officer_has_member')),
    sa.CheckConstraint("role IN ('officer', 'finance') OR member_id IS NULL", name=op.f('ck_users_member_binding_roles')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_users_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_member_id'), ['member_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_audit_events_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_member_id'), ['member_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('short_text', sa.String(length=200), nullable=False),
    sa.Column('specification', sa.Text(), nullable=False),
    sa.Column('unit_code', sa.String(length=3), nullable=False),
    sa.Column('reference_price', sa.BigInteger(), nullable=False),
    sa.Column('vat_rate', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('reference_price >= 0', name=op.f('ck_products_price_nonnegative')),
    sa.CheckConstraint('vat_rate >= 0 AND vat_rate <= 10000', name=op.f('ck_products_vat_range')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_products_category_id_categories')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_products_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('number', name=op.f('uq_products_number'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_category_id'), ['category_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='submission_status', native_enum=False, length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_submissions_member_id_members')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_submissions_round_id_rounds')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_submissions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('round_id', 'member_id', name=op.f('uq_submissions_round_id_member_id'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_round_id'), ['round_id'], unique=False)

    op.create_table('demand_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('delivery_site_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('cost_centre', sa.String(length=40), nullable=False),
    sa.Column('budget_account', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_demand_lines_quantity_nonnegative')),
    sa.ForeignKeyConstraint(['delivery_site_id'], ['delivery_sites.id'], name=op.f('fk_demand_lines_delivery_site_id_delivery_sites')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_demand_lines_product_id_products')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_demand_lines_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_lines'))
    )
    with op.batch_alter_table('demand_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_lines_delivery_site_id'), ['delivery_site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_lines_submission_id'), ['submission_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('demand_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_lines_submission_id'))
        batch_op.drop_index(batch_op.f('ix_demand_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_demand_lines_delivery_site_id'))

    op.drop_table('demand_lines')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_round_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_member_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_category_id'))

    op.drop_table('products')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_member_id'))
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index('ix_audit_events_at')
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_member_id'))

    op.drop_table('users')
    with op.batch_alter_table('delivery_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_sites_member_id'))

    op.drop_table('delivery_sites')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_sort_order'))
        batch_op.drop_index(batch_op.f('ix_categories_cpv_code'))

    op.drop_table('categories')
    op.drop_table('units')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_email_at')
        batch_op.drop_index('ix_sign_in_failures_address_at')

    op.drop_table('sign_in_failures')
    op.drop_table('rounds')
    op.drop_table('members')
    op.drop_table('cpv_codes')
