"""WSGI entry point for any WSGI server (bot.wsgi:app); this project serves it with
waitress: python -m bot.serve (bot/serve.py)."""
import logging

from bot.app import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

app = create_app()
