# The two commands of the README: `make run` and `make test`.
.PHONY: run test bench build deps format clean

BUILD ?= build

deps:
	scripts/install-deps

build: deps
	scripts/build.sh $(BUILD)
	scripts/build-web

# Serves the demo on SQLite at http://127.0.0.1:8080 (Ctrl-C stops it cleanly).
run: build
	mkdir -p data
	$(BUILD)/guichet migrate
	$(BUILD)/guichet seed-demo
	exec $(BUILD)/guichet serve

test:
	scripts/test.sh

bench: deps
	bench/run.sh

format:
	scripts/check-format --fix

clean:
	rm -rf $(BUILD) build-*
