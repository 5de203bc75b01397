# Reproducible builds of the project's artifacts. The default model needs ../shared/data (see README).
SHARED ?= ../shared/data
GO ?= go

.PHONY: default-model default-model-log test check generate

# The embedded default model: English word counts, Norvig's big.txt, the project's shopping queries and
# the training misspelling lists (curated path), with hyperparameters tuned by 10-fold cross-validation on
# labelled examples mined from a simulated query log (default-model-log). Deterministic: fixed seeds and
# build time, sorted encodings; the same bytes on every run.
MODEL_TMP ?= /tmp/speller-default-model
TUNE_METRIC ?= f0.5
NOISY_RATIO ?= 100
DEFAULT_MODEL ?= data/default.model
default-model:
	mkdir -p $(MODEL_TMP)
	$(GO) build -o $(MODEL_TMP)/speller ./cmd/speller
	$(MODEL_TMP)/speller train \
		--unigrams $(SHARED)/lm/unigrams-en-82k.txt \
		--noisy-unigrams $(SHARED)/lm/unigrams-en-web-100k.txt --noisy-ratio $(NOISY_RATIO) \
		--corpus $(SHARED)/corpus/big.txt \
		--queries data/shopping-queries.tsv \
		--pairs $(SHARED)/misspellings/train/birkbeck.tsv \
		--pairs $(SHARED)/misspellings/train/codespell.tsv \
		--build-time 2026-11-23T00:00:00Z --realign 1 \
		--comment "default English model (curated sources, tuned on a simulated log)" \
		--out $(MODEL_TMP)/curated.model
	$(MAKE) default-model-log LOG_TMP=$(MODEL_TMP) LOG_MODEL=$(MODEL_TMP)/log.model
	$(MODEL_TMP)/speller tune --model $(MODEL_TMP)/curated.model --examples $(MODEL_TMP)/examples.tsv \
		--folds 10 --seed 1 --metric $(TUNE_METRIC) --out $(DEFAULT_MODEL)

# The default model through the log trainer: a simulated query log (queries cut from big.txt, errors drawn
# from the training misspelling lists) is mined by `speller train --log`, with the English word counts and the
# shopping queries as background. Deterministic for the seed. LOG_MODEL=data/default.model embeds it.
LOG_SESSIONS ?= 1000000
SIM_TYPO_RATE ?= 0.1
LOG_MODEL ?= $(LOG_TMP)/log.model
LOG_TMP ?= /tmp/speller-default-log
default-model-log:
	mkdir -p $(LOG_TMP)
	$(GO) build -o $(LOG_TMP)/speller ./cmd/speller
	$(LOG_TMP)/speller simulate --out $(LOG_TMP)/log.parquet --truth $(LOG_TMP)/truth.tsv \
		--corpus $(SHARED)/corpus/big.txt --corpus-queries 200000 \
		--misspellings '$(SHARED)/misspellings/train/*.tsv' \
		--sessions $(LOG_SESSIONS) --seed 1 --garbage 0.001 --space-rate 0.05 --typo-rate $(SIM_TYPO_RATE)
	$(LOG_TMP)/speller train --log $(LOG_TMP)/log.parquet \
		--unigrams $(SHARED)/lm/unigrams-en-82k.txt \
		--noisy-unigrams $(SHARED)/lm/unigrams-en-web-100k.txt --noisy-ratio $(NOISY_RATIO) \
		--queries data/shopping-queries.tsv \
		--examples $(LOG_TMP)/examples.tsv --report $(LOG_TMP)/report.json \
		--build-time 2026-11-23T00:00:00Z --realign 1 \
		--comment "default English model (simulated query log)" \
		--out $(LOG_MODEL)

test:
	$(GO) test ./...

check:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))"
