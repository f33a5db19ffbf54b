"""Web side of the assistant: chat API in front of Rasa, the embeddable widget, plan pages.

Kept free of imports: the Rasa venv imports bot.nlu (custom NLU components) and has
no Flask.
"""
