"""Settings of the minimal comparison endpoint: the product's settings (same middleware,
authentication, database options), only the URLconf differs."""

from aftersales.settings import *  # noqa: F403

ROOT_URLCONF = "bench.minimal_urls"
