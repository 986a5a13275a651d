"""Text the user reads that more than one module needs, in one home."""

from vocahire.limits import MAX_RESUME_MB, MIN_PASSWORD_LENGTH

CREDITS_NAME = "VocahireCredits"
AI_DISCLAIMER = (
    "VocaHire is practice: your interviewer is an AI, and this is a mock interview, not a real job interview."
)

PASSWORD_RULES = f"At least {MIN_PASSWORD_LENGTH} characters, mixing letters with numbers or symbols."

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
    "invalid_link": "This link is not valid any more (it may have expired or been used). Ask for a new one.",
    "throttled": "Too many requests. Please wait a few minutes and try again.",
}

RESUME_ONE_FILE = "Choose one file: PDF, Word (.docx) or text."
RESUME_WRONG_TYPE = "Upload your résumé as a PDF, Word (.docx) or text file."
RESUME_TOO_BIG = (
    f"That file is too big: the limit is {MAX_RESUME_MB} MB. "
    "Upload a smaller file (a PDF export is usually well under it)."
)
RESUME_TOO_COMPLEX = (
    "This résumé is too large or complex for us to read. "
    "Try exporting it as a PDF, or save its text as a .txt file and upload that."
)
RESUME_READERS_BUSY = "We're reading a lot of résumés right now. Please try again in a minute."
RESUME_UPLOAD_STOPPED = "The upload stopped before it finished. Please try again."
