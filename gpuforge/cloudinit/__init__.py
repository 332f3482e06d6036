"""Cloud-init user data for GPUForge droplets: Ollama and/or LocalAI, a GPU check, a readiness marker."""

from .options import CloudInitOptions
from .render import USER_DATA_LIMIT_BYTES, render_user_data, shell_scripts

__all__ = ["USER_DATA_LIMIT_BYTES", "CloudInitOptions", "render_user_data", "shell_scripts"]
