"""Typed quiz items (content/questions/*.yaml). Ids are stable and never derived from the text."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from sagecli.knowledge.schema import RecordId, Strict, Url, is_aws_doc

QID_RE = r"^q-[a-z0-9][a-z0-9-]*$"
Key = Annotated[str, AfterValidator(lambda v: v.strip())]
ItemType = Literal["mc", "mr", "ordering", "matching", "case"]
Difficulty = Literal["easy", "medium", "hard"]


class Option(Strict):
    """An answer option of a multiple-choice or multiple-response item."""

    key: Key = Field(pattern=r"^[A-Z]$")
    text: str
    correct: bool = False
    why: str = Field(min_length=10)


class OrderItem(Strict):
    """One step of an ordering item; items are listed in the correct order."""

    key: Key = Field(pattern=r"^[A-Z]$")
    text: str
    why: str = Field(min_length=10)


class MatchPrompt(Strict):
    """A prompt of a matching item and the key of the choice it matches."""

    key: Key = Field(pattern=r"^[1-9]$")
    text: str
    answer: Key = Field(pattern=r"^[A-Z]$")
    why: str = Field(min_length=10)


class MatchChoice(Strict):
    key: Key = Field(pattern=r"^[A-Z]$")
    text: str


class RecommenderCheck(Strict):
    """A scenario whose answer a recommender decides: the bank must agree with it (a test checks)."""

    recommender: Literal["instance", "input-mode", "deployment"]
    decision: Literal["instance", "input_mode", "inference_option", "rollout"]
    args: dict[str, Any] = {}
    expect: str


class _Body(Strict):
    """What a scorable item carries, shared by top-level questions and case-study parts."""

    id: str = Field(pattern=QID_RE)
    type: ItemType
    task: str = Field(pattern=r"^[1-4]\.[1-9]$")
    difficulty: Difficulty = "medium"  # judged by content/questions/RUBRIC.md (a bank test checks each is set)
    recall: bool = False  # one-step recall, kept only where the exam guide's task statement is itself recall
    stem: str = Field(min_length=10)
    options: list[Option] = []
    select: int | None = Field(None, ge=2)
    items: list[OrderItem] = []
    prompts: list[MatchPrompt] = []
    choices: list[MatchChoice] = []
    explanation: str | None = None
    recommender_check: RecommenderCheck | None = None

    @model_validator(mode="after")
    def _shape(self) -> _Body:
        t = self.type
        keys = [o.key for o in self.options]
        if len(set(keys)) != len(keys):
            raise ValueError("option keys repeat")
        n_correct = sum(o.correct for o in self.options)
        if t == "mc":
            if len(self.options) < 3:
                raise ValueError("a multiple-choice item needs at least 3 options")
            if n_correct != 1:
                raise ValueError(f"a multiple-choice item needs exactly one correct option, has {n_correct}")
        elif t == "mr":
            if self.select is None:
                raise ValueError("a multiple-response item needs `select` (how many to choose)")
            if n_correct != self.select:
                raise ValueError(f"select is {self.select} but {n_correct} options are marked correct")
            if len(self.options) < self.select + 2:
                raise ValueError("a multiple-response item needs at least select + 2 options")
        elif t == "ordering":
            if not 3 <= len(self.items) <= 5:
                raise ValueError("an ordering item has 3 to 5 items")
        elif t == "matching":
            if not 3 <= len(self.prompts) <= 7:
                raise ValueError("a matching item has 3 to 7 prompts")
            choice_keys = {c.key for c in self.choices}
            for p in self.prompts:
                if p.answer not in choice_keys:
                    raise ValueError(f"prompt {p.key} answers {p.answer}, which is not a choice")
        if t != "case" and (t in ("mc", "mr")) != bool(self.options):
            raise ValueError("options belong to mc and mr items only")
        return self


class CasePart(_Body):
    """One question of a case study; scored on its own."""

    type: Literal["mc", "mr"]


class Question(_Body):
    """A quiz item: multiple choice, multiple response, ordering, matching or a case study."""

    domain: int = Field(ge=1, le=4)
    topics: list[RecordId] = []
    scenario: str | None = None
    parts: list[CasePart] = []
    sources: list[Url] = Field(min_length=1)

    @model_validator(mode="after")
    def _case_and_sources(self) -> Question:
        if not any(is_aws_doc(u) for u in self.sources):
            raise ValueError("sources: at least one URL must be on AWS documentation")
        if not self.task.startswith(f"{self.domain}."):
            raise ValueError(f"task {self.task} is not in domain {self.domain}")
        if self.type == "case":
            if not self.scenario or len(self.parts) < 2:
                raise ValueError("a case study needs a scenario and at least two parts")
        elif self.parts:
            raise ValueError("parts belong to case studies only")
        return self
