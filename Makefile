# redraft front door. `make cluster` and `make test` are the two set-up commands:
# each installs the missing Debian packages, builds, then starts a cluster / runs
# every test (release build, then the address+undefined sanitizer build).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
PORT ?= 6379

.PHONY: all deps build build-asan test test-release test-asan cluster cluster-stop bench bench-raft bench-cluster bench-sentinel clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DREDRAFT_SANITIZE=ON >/dev/null

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j 1

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 1 -E '^fuzz/'

# Every test, both builds; the last line is ctest's summary of the whole run.
test: build build-asan
	@bash scripts/run-tests.sh $(BUILD) $(ASAN_BUILD)

# A hash-slot cluster in the background (scripts/local-cluster): 3 shards x 3 nodes on
# ports 7000-7008 and 3 sentinels on 26379-26381 (they create and push the topology);
# `make cluster PORT=7100` moves the nodes, `make cluster-stop` stops everything.
cluster: build
	@bash scripts/cluster.sh $(BUILD) $(if $(filter command line environment,$(origin PORT)),$(PORT),7000)

cluster-stop:
	@python3 scripts/local-cluster stop --dir run

# The Raft shard against redis-server with fsync (bench/raft.sh).
bench-raft: build
	@bash bench/raft.sh $(BUILD)

# A 3x3 local cluster against a 3-master redis-server cluster (bench/cluster.sh).
bench-cluster: build
	@bash bench/cluster.sh $(BUILD)

# Sentinels: kill -9 / SENTINEL FAILOVER -> +switch-master and first write on the new
# leader, ten runs each (bench/sentinel_failover.py).
bench-sentinel: build
	@python3 bench/sentinel_failover.py --build $(BUILD)

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
