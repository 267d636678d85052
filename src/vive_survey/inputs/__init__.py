"""Input: the wave's config, the codebook, and the readers of raw exports."""
