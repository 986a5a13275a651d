"""VocaHire: practise job interviews out loud with an AI interviewer."""
