"""utils.reveal: the answer appears only after a prediction is committed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from utils import CourseError, reveal

TABLE = pd.DataFrame({"claim": ["Japan is NATO's 16th member"], "verdict": ["not_supported"]})


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!", "…"])
def test_an_empty_prediction_is_refused(text: str) -> None:
    with pytest.raises(CourseError, match="Write your prediction"):
        reveal._commit(text)


def test_a_prediction_is_recorded_as_written_without_outer_spaces() -> None:
    assert reveal._commit("  partly supported, because ISAF  ") == (
        "partly supported, because ISAF")
    assert reveal._commit("no", ["yes", "no"]) == "no"


@pytest.mark.parametrize("value", [None, "", "maybe", 1])
def test_a_choice_must_be_one_of_the_choices(value: object) -> None:
    with pytest.raises(CourseError):
        reveal._commit(value, ["yes", "no"])


@pytest.mark.parametrize("value", [None, 3, ["a"]])
def test_a_prediction_must_be_text(value: object) -> None:
    with pytest.raises(CourseError, match="must be text"):
        reveal._commit(value)


def test_bad_arguments_get_a_course_error() -> None:
    with pytest.raises(CourseError, match="must not be empty"):
        reveal.after_prediction("  ", TABLE)
    with pytest.raises(CourseError, match="two different choices"):
        reveal.after_prediction("Which?", TABLE, choices=["yes", "yes"])
    with pytest.raises(CourseError, match="must be text"):
        reveal.after_prediction(42, TABLE)
    for choices in (3, "yes/no", {"yes": 1}):
        with pytest.raises(CourseError, match="list of words"):
            reveal.after_prediction("Which?", TABLE, choices=choices)


def test_the_stored_output_shows_the_prompt_not_the_answer() -> None:
    box = reveal.after_prediction("Your verdict on the claim?", TABLE)
    data = box._repr_mimebundle_()
    shown = data["text/plain"]
    assert "Your verdict on the claim?" in shown and "not_supported" not in shown
    assert "not_supported" not in json.dumps({k: v for k, v in data.items()
                                              if k != reveal.MIMETYPE})
    hidden = data[reveal.MIMETYPE]
    assert hidden["prompt"] == "Your verdict on the claim?" and hidden["choices"] is None
    assert "not_supported" in hidden["answer"][0]["text/html"]
    assert box.shown.outputs == ()


def test_the_answer_appears_only_after_a_prediction() -> None:
    box = reveal.after_prediction("Your verdict?", lambda: TABLE)
    before = len(reveal.predictions())
    box.button.click()
    assert box.shown.outputs == () and "Not yet" in box.message.value
    box.entry.value = "not supported"
    box.button.click()
    assert len(box.shown.outputs) == 1
    assert "not_supported" in box.shown.outputs[0]["data"]["text/html"]
    assert box.entry.disabled and box.button.disabled
    assert "not supported" in box.message.value
    assert reveal.predictions().iloc[-1].to_dict() == {"prompt": "Your verdict?",
                                                       "prediction": "not supported"}
    assert len(reveal.predictions()) == before + 1


def test_choices_and_markdown_answers() -> None:
    box = reveal.after_prediction("Did it happen?", ("**No.**", TABLE), choices=["yes", "no"])
    assert "Choices: yes, no." in box._repr_mimebundle_()["text/plain"]
    box.entry.value = "no"
    box.button.click()
    assert box.shown.outputs[0]["data"].get("text/markdown") == "**No.**"
    assert len(box.shown.outputs) == 2
