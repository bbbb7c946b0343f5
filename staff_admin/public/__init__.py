"""The public results page: unit IKM per period, as the regulation asks results to be published."""
