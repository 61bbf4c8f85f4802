"""The hub's HTTP surface: litestar app factory and thin controllers."""
