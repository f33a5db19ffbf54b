"""Custom NLU components of the Rasa server (config.yml's pipeline)."""
