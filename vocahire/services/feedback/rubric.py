"""The scoring rubrics, one per interview type: their categories and what a 3, a 6 and a 9 look like.

This module is the only home of the rubrics. The AI's prompt and its output schema are built from it
(``ai.py``), the feedback page names categories from it, and history charts them per interview type.
Changing a rubric here changes all of them at once. Category scores are out of 10; the overall score
stays out of 100.
"""

from __future__ import annotations

from dataclasses import dataclass

MIXED = "mixed"
CATEGORIES_PER_RUBRIC = 5  # every rubric scores five categories (history charts them side by side)
ANCHOR_SCORES = (3, 6, 9)


@dataclass(frozen=True)
class Category:
    """One thing a rubric scores, with what the three anchor scores look like."""

    key: str
    label: str
    measures: str
    anchors: tuple[str, str, str]  # what a 3, a 6 and a 9 look like


@dataclass(frozen=True)
class Rubric:
    """How one interview type (and each question of that type) is judged."""

    key: str
    label: str
    summary: str
    strong_answer: str  # what a strong answer to a question of this type covers
    categories: tuple[Category, ...]

    @property
    def category_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.categories)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)


BEHAVIOURAL = Rubric(
    key="behavioural",
    label="Behavioural",
    summary="Past situations: what the candidate actually did, how, and what came of it.",
    strong_answer="One real situation, the candidate's own task and actions (I, not we), a measurable "
    "result, and what they learned or would do differently.",
    categories=(
        Category(
            "situation_task",
            "Situation and task",
            "Sets up one specific, real situation and the candidate's own responsibility in it.",
            (
                "Generic or hypothetical; no concrete situation, or several blurred together.",
                "A real situation, but the stakes or the candidate's own task stay vague.",
                "One specific situation with clear stakes and exactly what the candidate owned.",
            ),
        ),
        Category(
            "actions",
            "Actions and ownership",
            "What the candidate personally did and why, in enough detail to believe it.",
            (
                "Describes what the team did; the candidate's own part is unclear.",
                "Names their actions but skips the reasoning or the hard part.",
                "Concrete personal actions, the choices weighed, and how obstacles were handled.",
            ),
        ),
        Category(
            "results",
            "Results and reflection",
            "The outcome, measured where possible, and what was learned.",
            (
                "No result, or 'it went well' with nothing to show it.",
                "A result is stated but not quantified or tied to the actions.",
                "A measured result linked to the actions, plus an honest lesson.",
            ),
        ),
        Category(
            "relevance",
            "Relevance to the role",
            "Answers the question asked and shows the qualities this role needs.",
            (
                "Drifts off the question; the example says little about fit for the role.",
                "Answers the question; the link to the role is left for the listener to make.",
                "Answers squarely and makes the connection to the role's needs explicit.",
            ),
        ),
        Category(
            "communication",
            "Communication",
            "Concise, ordered, easy to follow; confident without hedging.",
            (
                "Rambling or hard to follow; heavy hedging or filler.",
                "Mostly clear, with some detours or repetition.",
                "Tight, well-ordered and confident; every sentence earns its place.",
            ),
        ),
    ),
)

TECHNICAL = Rubric(
    key="technical",
    label="Technical",
    summary="Role-specific knowledge: correctness, depth, trade-offs, and explaining it out loud.",
    strong_answer="A correct core explanation, the trade-offs and alternatives, a concrete example "
    "from experience, and the edge cases or failure modes.",
    categories=(
        Category(
            "correctness",
            "Correctness",
            "What is said is technically right and precise.",
            (
                "Contains clear errors or misuses key terms.",
                "Broadly right with some imprecision or a gap.",
                "Accurate and precise, including the details that trip people up.",
            ),
        ),
        Category(
            "depth",
            "Depth",
            "Goes beyond definitions to how and why things work, with specifics.",
            (
                "Surface-level: definitions or buzzwords only.",
                "Explains how it works but stops short of the why or the internals.",
                "Explains mechanisms and reasons, with concrete numbers or examples.",
            ),
        ),
        Category(
            "tradeoffs",
            "Trade-offs and judgement",
            "Weighs alternatives, costs and risks, and chooses with reasons.",
            (
                "One option presented as the only answer.",
                "Mentions alternatives but doesn't weigh them.",
                "Compares options against the situation's constraints and justifies the choice.",
            ),
        ),
        Category(
            "problem_solving",
            "Problem solving",
            "Breaks the problem down, checks assumptions, handles edge cases and failure.",
            (
                "Jumps to an answer without framing the problem.",
                "A sensible approach, but edge cases or verification are missing.",
                "Structured approach, assumptions stated, edge cases and testing covered.",
            ),
        ),
        Category(
            "communication",
            "Technical communication",
            "Explains clearly out loud, at the right level for the listener.",
            (
                "Hard to follow; jargon without explanation.",
                "Understandable, with some jumps a listener must fill in.",
                "Clear, layered explanation a colleague could repeat back.",
            ),
        ),
    ),
)

SYSTEM_DESIGN = Rubric(
    key="system_design",
    label="System design",
    summary="Designing a system out loud: requirements, architecture, scale, trade-offs.",
    strong_answer="Clarified requirements and scale, a high-level design with its main components "
    "and data flow, the bottlenecks and how to scale them, and the trade-offs and failure handling.",
    categories=(
        Category(
            "requirements",
            "Requirements and scope",
            "Clarifies functional and non-functional requirements and the expected scale.",
            (
                "Starts drawing boxes without asking what the system must do.",
                "Asks about features but not scale, latency or consistency needs.",
                "Pins down features, scale numbers and the qualities that drive the design.",
            ),
        ),
        Category(
            "architecture",
            "Architecture",
            "A coherent high-level design: components, APIs, data model and flow.",
            (
                "Vague or missing components; the data flow doesn't hold together.",
                "A workable design with some components or the data model hand-waved.",
                "A clear design whose components, APIs and data model fit the requirements.",
            ),
        ),
        Category(
            "scalability",
            "Scale and reliability",
            "Finds bottlenecks, scales them, and plans for failure.",
            (
                "No thought for load, bottlenecks or failures.",
                "Mentions caching or sharding generically, without tying it to numbers.",
                "Sizes the load, targets the real bottlenecks, and covers failure and recovery.",
            ),
        ),
        Category(
            "tradeoffs",
            "Trade-offs",
            "Names the alternatives and justifies each major choice.",
            (
                "Choices stated as facts, with no alternatives.",
                "Some alternatives named; the reasoning is thin.",
                "Each major choice weighed (consistency, cost, complexity) and justified.",
            ),
        ),
        Category(
            "communication",
            "Communication and structure",
            "Drives the discussion in a clear order and checks in with the interviewer.",
            (
                "Jumps around; hard to tell where the design is going.",
                "A reasonable order, with occasional backtracking.",
                "Leads a structured walk-through, signposting and checking in.",
            ),
        ),
    ),
)

PRODUCT_CASE = Rubric(
    key="product_case",
    label="Product / case",
    summary="Product sense and case questions: framing, users, metrics, prioritisation, a recommendation.",
    strong_answer="The goal and the users framed first, a structured breakdown, options prioritised "
    "with a clear rationale, success metrics, and a crisp recommendation with its risks.",
    categories=(
        Category(
            "framing",
            "Framing",
            "Clarifies the goal, constraints and who the users are before solving.",
            (
                "Dives into solutions without stating the goal or the user.",
                "States a goal, but the users or constraints stay fuzzy.",
                "Sharp framing: the goal, the users and their needs, the constraints.",
            ),
        ),
        Category(
            "structure",
            "Structured analysis",
            "Breaks the problem into clear, complete parts and works through them.",
            (
                "A list of ideas with no structure.",
                "A structure that misses an important part or overlaps.",
                "A clean, complete breakdown worked through in order.",
            ),
        ),
        Category(
            "prioritisation",
            "Prioritisation and judgement",
            "Chooses among options with a clear rationale (impact, effort, risk).",
            (
                "No choice made, or a choice without reasons.",
                "Prioritises, with reasons that are partly generic.",
                "Prioritises with explicit, situation-specific criteria.",
            ),
        ),
        Category(
            "metrics",
            "Metrics and evidence",
            "Defines how success is measured and uses numbers to reason.",
            (
                "No metrics, or vanity metrics only.",
                "A sensible metric, without counter-metrics or a target.",
                "A primary metric, guardrails and a target, with estimates to back the reasoning.",
            ),
        ),
        Category(
            "recommendation",
            "Recommendation and communication",
            "Lands on a clear recommendation, its risks and next steps.",
            (
                "No recommendation; the answer trails off.",
                "A recommendation, but hedged or without next steps.",
                "A crisp recommendation with its risks and the next steps.",
            ),
        ),
    ),
)

GENERAL = Rubric(
    key="general",
    label="General",
    summary="Any role: motivation, fit, experience and how well the candidate communicates it.",
    strong_answer="A direct answer first, specific evidence from real experience, the link to this "
    "role, and a short close.",
    categories=(
        Category(
            "relevance",
            "Relevance",
            "Answers the question asked and connects it to the role.",
            (
                "Misses the question or stays generic.",
                "Answers the question; the link to the role is implied.",
                "Answers directly and ties the answer to what the role needs.",
            ),
        ),
        Category(
            "evidence",
            "Specific evidence",
            "Backs claims with concrete examples, numbers or outcomes.",
            (
                "Claims with no examples ('I'm a hard worker').",
                "An example, but thin on specifics or outcomes.",
                "Specific examples with outcomes that prove the claim.",
            ),
        ),
        Category(
            "motivation",
            "Motivation and fit",
            "Shows why this role and this employer, and what the candidate would bring.",
            (
                "No clear reason for wanting the role, or reasons any job would fit.",
                "Plausible reasons, but generic to the industry rather than this role.",
                "Specific, believable reasons tied to the role, and a clear picture of their contribution.",
            ),
        ),
        Category(
            "structure",
            "Structure",
            "A clear beginning, middle and end; the point comes early.",
            (
                "No discernible order; the point is buried or missing.",
                "An order can be followed, with some wandering.",
                "Point first, then support, then a short close.",
            ),
        ),
        Category(
            "communication",
            "Clarity and confidence",
            "Concise, easy to follow, confident without hedging.",
            (
                "Hard to follow; much hedging or filler.",
                "Clear enough, with some filler or over-long passages.",
                "Concise, fluent and assured.",
            ),
        ),
    ),
)

RUBRICS: dict[str, Rubric] = {
    r.key: r for r in (BEHAVIOURAL, TECHNICAL, SYSTEM_DESIGN, PRODUCT_CASE, GENERAL)
}
# The question types an answer can be scored as, in the order the set-up offers them.
QUESTION_TYPES: tuple[str, ...] = tuple(RUBRICS)
# What the set-up offers: each rubric's type, and "mixed" (each answer scored with its question's rubric).
INTERVIEW_TYPES: tuple[str, ...] = (*QUESTION_TYPES, MIXED)
INTERVIEW_TYPE_LABELS: dict[str, str] = {**{r.key: r.label for r in RUBRICS.values()}, MIXED: "Mixed"}


def overall_rubric(interview_type: str) -> Rubric:
    """The rubric whose categories score the interview as a whole (mixed interviews: the general one)."""
    return RUBRICS.get(interview_type, GENERAL)


def question_types_for(interview_type: str) -> tuple[str, ...]:
    """The types an answer in this interview may be scored as: its own, or any of them when mixed."""
    return (interview_type,) if interview_type in RUBRICS else QUESTION_TYPES


def all_categories() -> dict[str, str]:
    """Every category key any rubric scores, with a label (the first rubric's, where keys repeat)."""
    labels: dict[str, str] = {}
    for rubric in RUBRICS.values():
        for category in rubric.categories:
            labels.setdefault(category.key, category.label)
    return labels


def prompt_text(rubric: Rubric) -> str:
    """One rubric as the AI reads it: categories, what each measures, and the 3/6/9 anchors."""
    out = [f"{rubric.label} rubric (question type '{rubric.key}'): {rubric.summary}"]
    out.append(f"A strong answer covers: {rubric.strong_answer}")
    for category in rubric.categories:
        anchors = "; ".join(f"{s} = {a}" for s, a in zip(ANCHOR_SCORES, category.anchors, strict=True))
        out.append(f"- {category.key} ({category.label}): {category.measures} Anchors: {anchors}")
    return "\n".join(out)
