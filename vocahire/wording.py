"""Text the user reads that more than one module needs, in one home."""

from vocahire.limits import MIN_PASSWORD_LENGTH

CREDITS_NAME = "VocahireCredits"
AI_DISCLAIMER = (
    "VocaHire is practice: your interviewer is an AI, and this is a mock interview, not a real job interview."
)

AUTH_ERRORS: dict[str, str] = {
    "invalid_email": "That doesn't look like an e-mail address (for example: name@example.com).",
    "missing_email": "Enter your e-mail address.",
    "weak_password": (
        f"Choose a stronger password: at least {MIN_PASSWORD_LENGTH} characters, "
        "mixing letters with numbers or symbols, and not a common one."
    ),
    "email_taken": "An account with this e-mail already exists. Sign in instead.",
    "bad_credentials": "Wrong e-mail or password.",
    "locked": "Too many failed sign-ins. Please wait a few minutes and try again.",
    "expired": "Your session has expired. Please sign in again.",
    "unavailable": "We couldn't reach our database. Please try again in a moment.",
    "forbidden_origin": "That request came from another site and was refused.",
    "clerk_only": "Sign-in on this deployment goes through our identity provider.",
}
