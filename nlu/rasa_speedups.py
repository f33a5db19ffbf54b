"""One speed-up for the Rasa 3.6 server process, applied when nlu is imported there.

Rasa validates every action server response with jsonschema.validate(result, schema),
which re-checks the schema itself against its metaschema on every call; profiled under
load (py-spy, scripts/load_test.py) that was about a quarter of the Rasa process' CPU.
The same validation with a validator built once: identical results and error type.
Outside Rasa's venv (the web app, nlu.generate) nothing happens.
"""
try:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL
except ImportError:          # not the Rasa venv
    RemoteAction = None

_validators: dict = {}


def _validate_action_result(self, result) -> bool:
    validator = _validators.get("response")
    if validator is None:
        schema = self.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators["response"] = cls(schema)
    try:
        validator.validate(result)
        return True
    except ValidationError as e:
        e.message += (f". Failed to validate Action server response from API, make sure your response from "
                      f"the Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
        raise e


if RemoteAction is not None and getattr(RemoteAction, "_validate_action_result", None) is not None:
    RemoteAction._validate_action_result = _validate_action_result
