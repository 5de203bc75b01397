# Reproducible builds of the project's artifacts. The default model needs ../shared/data (see README).
SHARED ?= ../shared/data
GO ?= go

.PHONY: default-model test check generate

# The embedded default model: English word counts, Norvig's big.txt, the project's shopping queries and
# the training misspelling lists. Deterministic: fixed build time, sorted encodings.
default-model:
	$(GO) run ./cmd/speller train \
		--unigrams $(SHARED)/lm/unigrams-en-82k.txt \
		--corpus $(SHARED)/corpus/big.txt \
		--queries data/shopping-queries.tsv \
		--pairs $(SHARED)/misspellings/train/birkbeck.tsv \
		--pairs $(SHARED)/misspellings/train/codespell.tsv \
		--build-time 2026-11-23T00:00:00Z --realign 1 \
		--comment "default English model (curated sources)" \
		--out data/default.model

test:
	$(GO) test ./...

check:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))"
