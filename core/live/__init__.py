"""The live layer: streams described as data, one hub, one announcer, one
transport and one wire contract for every live page. Knows nothing about
products, the dashboard or accounts (see docs/live.md)."""
