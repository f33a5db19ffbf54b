"""The web app: chat API in front of Rasa, the embeddable widget, plan pages,
feedback and insights (Flask, Python 3.11 venv)."""
