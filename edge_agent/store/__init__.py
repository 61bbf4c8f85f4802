"""The device's SQLite store: connection discipline, migrations, op log, backup."""
