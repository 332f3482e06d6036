"""The fields of a snapshot record, as the tests expect every record (guard, engine, records) to hold them."""

RECORD_FIELDS = {
    "snapshot_name",
    "snapshot_id",
    "droplet_id",
    "droplet_name",
    "action_id",
    "status",
    "created_at",
    "started_at",
    "completed_at",
    "duration_seconds",
    "size_gigabytes",
    "min_disk_size",
    "regions",
    "region",
    "gpu_size",
    "image",
    "project",
    "stack",
    "trigger",
    "estimated_monthly_cost_usd",
}
