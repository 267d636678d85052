"""Analysis: table specifications, indices, statistics, models and the tidy cell model."""
