"""Settings split by concern. `config.settings.dev` is the default; `production` and `test` override it."""
