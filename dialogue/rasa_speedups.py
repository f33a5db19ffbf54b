"""Five speed-ups of the Rasa 3.6 server process, applied when `dialogue` is imported
there (Rasa imports it to create the tracker store of endpoints.yml, before it loads the
model). Found by profiling the Rasa process with py-spy, under load
(scripts/load_test.py) and at start (docs/results/load.md).

1. Rasa validates every action server response with jsonschema.validate(result, schema),
   which re-checks the schema itself against its metaschema on every call (about a
   quarter of the Rasa process' CPU), and then tries each event against all 23 event
   schemas of a oneOf (still ~11 % of the samples with a validator built once). Here the
   validators are built once and each event is checked against the one schema its
   `event` field names: the same responses pass and fail, with the same error type.
2. rasa.core.processor deep-copies the events of every action, the parse data and the
   slots only to pass the copies to structlog debug messages, and it does so whatever
   the log level: 7.5 % of the Rasa process' samples under load. The copies are made
   only when that module logs at DEBUG (`rasa run --debug`); otherwise the debug
   message is discarded and the value is passed as it is. Every `copy.deepcopy` in
   rasa/core/processor.py (3.6.21) is such a debug-message argument.
3. Every event read from the tracker store or an action's response looks its class up by
   walking all subclasses of Event (Event.resolve_by_type): ~6 % of the samples. The
   same lookup from a table built on the first call (rebuilt when a name is missing).
4. A message's features from several featurizers are joined pairwise, one
   scipy.sparse.hstack per featurizer, for DIET and again for the logistic regression:
   ~10 % of the samples. The same matrix in one hstack.
5. Loading DIET, RasaModel.load "trains on 1 example to build weights of the correct
   size": one Keras `fit` step, whose training graph (losses, CRF) TensorFlow traces —
   two thirds of the Rasa server's start (model load 57 s → 16 s without it). For a
   model loaded to predict, the weights are read first and restored as the first
   prediction creates the variables (TensorFlow's deferred restoration of a checkpoint);
   the optimizer's state, which only training reads, is skipped. Fine-tuning keeps
   Rasa's code.
tests/test_tracker_store.py checks that the trained model parses the citizens' questions
to the same intent ranking (to 6 decimals) and entities with and without these patches.

Outside Rasa's venv nothing happens.
"""
import copy
import logging

try:
    import rasa.core.processor as rasa_processor
    import scipy.sparse
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL
    from rasa.shared.core.events import Event
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.utils.common import all_subclasses
    from rasa.utils.tensorflow.models import RasaModel
except ImportError:          # not the Rasa venv
    RemoteAction = rasa_processor = Event = Message = RasaModel = None

_validators: dict = {}


def _response_validators(schema: dict) -> tuple:
    """(validator of the response without its events' oneOf, {event name: validator of that
    event's schema}). Rasa's schema gives each event schema of the oneOf its own
    `event` const, so "valid under exactly one of them" is "valid under the one its
    `event` names"."""
    items = schema["properties"]["events"]["items"]
    base = {**schema, "properties": {**schema["properties"],
                                     "events": {**schema["properties"]["events"],
                                                "items": {k: v for k, v in items.items() if k != "oneOf"}}}}
    cls = validator_for(schema)
    cls.check_schema(schema)
    by_event = {option["properties"]["event"]["const"]: cls(option) for option in items["oneOf"]}
    return cls(base), by_event


def _validate_action_result(self, result) -> bool:
    if "response" not in _validators:
        _validators["response"] = _response_validators(self.action_response_format_spec())
    base, by_event = _validators["response"]
    try:
        base.validate(result)
        for event in result.get("events") or []:
            validator = by_event.get(event.get("event"))
            if validator is None:
                raise ValidationError(f"{event!r} is not valid under any of the given schemas")
            validator.validate(event)
        return True
    except ValidationError as e:
        e.message += (f". Failed to validate Action server response from API, make sure your response from "
                      f"the Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
        raise e


if RemoteAction is not None and getattr(RemoteAction, "_validate_action_result", None) is not None:
    RemoteAction._validate_action_result = _validate_action_result


class _CopyForDebugMessages:
    """Stands for the `copy` module inside rasa.core.processor: deepcopy copies only when
    the processor's debug messages are kept."""

    def __init__(self, logger_name: str):
        self._logger = logging.getLogger(logger_name)

    def deepcopy(self, value, memo=None):
        if self._logger.isEnabledFor(logging.DEBUG):
            return copy.deepcopy(value, memo)
        return value

    def __getattr__(self, name):
        return getattr(copy, name)


if rasa_processor is not None and getattr(rasa_processor, "copy", None) is copy:
    rasa_processor.copy = _CopyForDebugMessages(rasa_processor.__name__)


_event_classes: dict = {}


def _resolve_by_type(type_name, default=None):
    """Event.resolve_by_type of Rasa 3.6 (the first subclass of that name), from a table."""
    found = _event_classes.get(type_name)
    if found is None:
        _event_classes.clear()
        for subclass in all_subclasses(Event):
            _event_classes.setdefault(subclass.type_name, subclass)
        found = _event_classes.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None              # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def _combine_features(features, featurizers):
    """Message._combine_features of Rasa 3.6 with one hstack when all parts are sparse
    matrices of the same length (Rasa's own code otherwise)."""
    if len(features) < 3 or not all(f is not None and f.is_sparse() for f in features) \
            or len({f.features.shape[0] for f in features}) != 1:
        return _rasa_combine_features(features, featurizers)
    combined = copy.deepcopy(features[0])
    combined.origin = featurizers
    combined.features = scipy.sparse.hstack([f.features for f in features])
    combined._cached_fingerprint = None
    return combined


if Event is not None and isinstance(Event.__dict__.get("resolve_by_type"), staticmethod):
    Event.resolve_by_type = staticmethod(_resolve_by_type)
if Message is not None and isinstance(Message.__dict__.get("_combine_features"), staticmethod):
    _rasa_combine_features = Message._combine_features
    Message._combine_features = staticmethod(_combine_features)


def _load_for_prediction(cls, model_file_name, model_data_example, predict_data_example=None,
                         finetune_mode=False, *args, **kwargs):
    """RasaModel.load of Rasa 3.6 without its one-step `fit`: the weights are read first and
    restored as the first prediction creates the variables (TensorFlow's deferred
    restoration); the optimizer's state, which only training needs, is not read."""
    if finetune_mode or predict_data_example is None:
        return _rasa_load.__func__(cls, model_file_name, model_data_example, predict_data_example,
                                   finetune_mode, *args, **kwargs)
    model = cls(*args, **kwargs)
    model.load_weights(model_file_name).expect_partial()
    model.run_inference(predict_data_example)
    return model


if RasaModel is not None and isinstance(RasaModel.__dict__.get("load"), classmethod):
    _rasa_load = RasaModel.__dict__["load"]
    RasaModel.load = classmethod(_load_for_prediction)
