# Rasa server image: the published rasa/rasa image plus what the trained model needs
# at load time. config.yml names two custom NLU components (bot.nlu.vietnamese_tokenizer,
# bot.nlu.synonyms) that import index/text.py, so the stock image alone cannot load
# models/assistant.tar.gz.
#
#   make train                       # models/assistant.tar.gz
#   docker build -f deploy/docker/rasa.Dockerfile -t hatangso-rasa:3.6.21 .
#
# Keep the tag in step with requirements/rasa.txt (rasa==3.6.21).
FROM rasa/rasa:3.6.21-full

WORKDIR /app
COPY --chown=1001:0 bot/__init__.py /app/bot/__init__.py
COPY --chown=1001:0 bot/nlu/ /app/bot/nlu/
COPY --chown=1001:0 index/__init__.py index/text.py index/settings.py /app/index/
# the retention job (bot/retention.py) runs from this image: it needs SQLAlchemy and psycopg2
COPY --chown=1001:0 bot/retention.py /app/bot/retention.py
COPY --chown=1001:0 settings.yml /app/settings.yml
COPY --chown=1001:0 credentials.yml /app/credentials.yml
COPY --chown=1001:0 deploy/scaleout/endpoints.yml /app/endpoints.yml
COPY --chown=1001:0 models/ /app/models/
ENV PYTHONPATH=/app \
    SQL_POOL_SIZE=10 \
    SQL_MAX_OVERFLOW=10

USER 1001
EXPOSE 5005
# The image's entrypoint is `rasa`; the token comes from the environment at run time
# (compose: RASA_TOKEN; the Helm chart passes --auth-token "$(RASA_TOKEN)" itself).
CMD ["run", "--enable-api", "--port", "5005", "--credentials", "credentials.yml", \
     "--endpoints", "endpoints.yml", "--model", "models"]
