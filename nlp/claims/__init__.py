"""Known-claim matching: does a new article repeat a claim the office has rebutted (across paraphrase and language)."""

from nlp.claims.match import ClaimIndex, ClaimMatch, KnownClaim

__all__ = ["ClaimIndex", "ClaimMatch", "KnownClaim"]
