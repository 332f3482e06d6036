"""GPUForge: DigitalOcean GPU droplets that serve models, with a time machine."""
