"""Cloud-init user data for GPUForge droplets: Ollama and/or LocalAI, a GPU check, a readiness marker."""

from .options import API_KEY_MAX_LENGTH, CloudInitError, CloudInitOptions
from .render import USER_DATA_LIMIT_BYTES, render_user_data, shell_scripts

__all__ = [
    "API_KEY_MAX_LENGTH",
    "USER_DATA_LIMIT_BYTES",
    "CloudInitError",
    "CloudInitOptions",
    "render_user_data",
    "shell_scripts",
]
