"""The corpus itself: well-formed cases spread over every source system and outcome."""

from corpus import OUTCOMES, all_cases

from seg_assets.defs.sources.assets import SOURCE_CONTRACTS


def test_the_corpus_covers_every_system_outcome_and_file_format():
    corpus = all_cases()
    assert len(corpus) >= 30
    assert {case.outcome for case in corpus} == set(OUTCOMES)
    touched = [contract for case in corpus for contract in case.sources]
    assert {c.system for c in touched} == {c.system for c in SOURCE_CONTRACTS.values()}
    assert {c.format for c in touched} == {"csv", "parquet"}
    assert all(case.description and case.name[:2].isdigit() for case in corpus)
