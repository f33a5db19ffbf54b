#!/usr/bin/env bash
# Train the Rasa model into var/rasa/assistant.tar.gz, or reuse one trained before from
# the same inputs.
#
#   stack/setup/train.sh RASA_BIN
#
# Trained models are kept in $HTS_CACHE_DIR/rasa-models (default ~/.cache/hatangso),
# outside the clone like the virtualenvs, under the hash of everything training reads
# (config, domain, training data, the custom NLU components and the text folding they
# import). A fresh clone (CI) with unchanged inputs copies the model instead of spending
# minutes on training; Rasa itself then finds nothing to retrain.
set -euo pipefail

rasa=$1
export RASA_TELEMETRY_ENABLED=false       # no usage data sent while training either
cache="${HTS_CACHE_DIR:-$HOME/.cache/hatangso}/rasa-models"
inputs=$(find config.yml domain data/nlu data/rules data/stories nlu core/text.py requirements/rasa.lock \
    -type f \( -name '*.yml' -o -name '*.py' -o -name '*.lock' \) | LC_ALL=C sort)
hash=$( (echo "$inputs"; cat $inputs) | sha256sum | cut -c1-16)
model=var/rasa/assistant.tar.gz

if [ -f "$cache/$hash.tar.gz" ]; then
    if ! cmp -s "$cache/$hash.tar.gz" "$model"; then
        mkdir -p var/rasa
        cp "$cache/$hash.tar.gz" "$model"
        echo "Rasa model reused from $cache/$hash.tar.gz (inputs unchanged)"
    fi
    exit 0
fi
"$rasa" train --config config.yml --domain domain --data data/nlu data/rules data/stories \
    --out var/rasa --fixed-model-name assistant --quiet
mkdir -p "$cache"
cp "$model" "$cache/$hash.tar.gz.tmp" && mv "$cache/$hash.tar.gz.tmp" "$cache/$hash.tar.gz"
