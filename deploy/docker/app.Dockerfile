# Image of the action server and of the web app (one image, two commands), based on the
# published rasa/rasa-sdk image. It carries the code, the knowledge data, the embedding
# model folder and the built index, all made beforehand on the build machine:
#
#   make setup                                 # var/models/..., var/index/, var/rasa/
#   docker build -f deploy/docker/app.Dockerfile -t hatangso-app:1 .
#
# RASA_SDK_VERSION follows requirements/app.txt (rasa-sdk==3.21.1). The base image's
# Python must be one the lock file was made for (requirements/app.lock: Python 3.11);
# check `docker run --rm rasa/rasa-sdk:$RASA_SDK_VERSION python --version` when bumping.
ARG RASA_SDK_VERSION=3.21.1
FROM rasa/rasa-sdk:${RASA_SDK_VERSION}

USER root
WORKDIR /app
COPY requirements/app.lock /tmp/app.lock
# PyTorch's CPU index: from PyPI alone torch==2.13.0 is the multi-GB CUDA build (pip
# takes 2.13.0+cpu, the higher local version). Nothing is downloaded at run time: the e5
# model is a local folder (var/models/), HF_HUB_OFFLINE makes sure of it.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r /tmp/app.lock \
    && rm /tmp/app.lock

COPY actions/ /app/actions/
COPY bot/ /app/bot/
COPY core/ /app/core/
COPY index/ /app/index/
COPY var/models/ /app/var/models/
COPY var/index/ /app/var/index/
COPY data/ /app/data/
COPY domain/ /app/domain/
COPY settings.yml /app/settings.yml
# /data: the web app's feedback database (a named volume takes this ownership when new)
RUN chgrp -R 0 /app && chmod -R g=u /app && mkdir -p /app/var /data \
    && chown 1001:0 /app/var /data && chmod 775 /app/var /data

ENV PYTHONPATH=/app \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HTS_WEB_HOST=0.0.0.0 \
    HTS_WEB_PORT=8000

USER 1001
EXPOSE 5055 8000
# Action server by default (one process: it loads the embedding model and the index
# once). The web app: command ["python", "-m", "bot.serve"] (waitress, bot/serve.py).
ENTRYPOINT []
CMD ["python", "-m", "actions.server", "--host", "0.0.0.0", "--port", "5055"]
