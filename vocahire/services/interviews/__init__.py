"""Interviews: set-up (résumé text), the lifecycle from start to end, the OpenAI Realtime call and its
sideband, the interviewer's prompt, the transcript and the candidate's interview history."""
