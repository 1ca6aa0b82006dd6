"""Distributed load: a Locust user firing signed customer lifecycles at a webhook URL.

`options` and `lifecycle` are plain Python; only `locustfile` imports Locust (which patches the
process with gevent), and it is run by Locust itself, never imported by the rest of the package.
"""
