"""Development server: python -m bot (in production: python -m bot.serve, bot/serve.py)."""
import logging

from bot.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

app = create_app()
config = app.config["HTS"]
app.run(host=config.host, port=config.port, threaded=True)
