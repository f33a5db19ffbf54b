# Rasa server image: the published rasa/rasa image plus what the trained model needs
# at load time. config.yml names two custom NLU components (nlu.vietnamese_tokenizer,
# nlu.synonyms) that import core/text.py, so the stock image alone cannot load
# var/rasa/assistant.tar.gz; endpoints.yml names the tracker store in dialogue/.
#
#   make train                       # var/rasa/assistant.tar.gz
#   docker build -f deploy/docker/rasa.Dockerfile -t hatangso-rasa:3.6.21 .
#
# Keep the tag in step with requirements/rasa.txt (rasa==3.6.21).
FROM rasa/rasa:3.6.21-full

WORKDIR /app
COPY --chown=1001:0 nlu/ /app/nlu/
COPY --chown=1001:0 core/ /app/core/
COPY --chown=1001:0 dialogue/ /app/dialogue/
COPY --chown=1001:0 data/knowledge/ /app/data/knowledge/
# the retention job (stack/retention.py) runs from this image: it needs SQLAlchemy and psycopg2
COPY --chown=1001:0 stack/__init__.py stack/runner.py stack/retention.py stack/rasa_server.py /app/stack/
# the web app channel (dialogue/channel.py) masks messages again with bot/text.py
COPY --chown=1001:0 bot/__init__.py bot/text.py /app/bot/
COPY --chown=1001:0 settings.yml /app/settings.yml
COPY --chown=1001:0 credentials.yml /app/credentials.yml
COPY --chown=1001:0 deploy/scaleout/endpoints.yml /app/endpoints.yml
COPY --chown=1001:0 var/rasa/ /app/models/
ENV PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    TF_INTER_OP_PARALLELISM_THREADS=1 \
    TF_INTRA_OP_PARALLELISM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    SQL_POOL_SIZE=10 \
    SQL_MAX_OVERFLOW=10

USER 1001
EXPOSE 5005
# `rasa` through stack/rasa_server.py: the token comes from HTS_RASA_TOKEN at run time
# and never shows on the command line (the Helm chart, whose own entrypoint is `rasa`,
# passes --auth-token itself).
ENTRYPOINT ["python", "-m", "stack.rasa_server"]
CMD ["run", "--enable-api", "--port", "5005", "--credentials", "credentials.yml", \
     "--endpoints", "endpoints.yml", "--model", "models"]
