#!/bin/sh
# generate.sh [OUT]: regenerates the Go code of the .proto files under this directory into OUT (default: this
# directory, next to the .proto files). The protoc plugins are built from the versions that go.mod pins with
# its tool directive, so every machine generates the same code; protoc is Debian's protobuf-compiler.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
command -v protoc >/dev/null || { echo "generate.sh: protoc not found (apt-get install -y protobuf-compiler)" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cd "$here"
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
go build -o "$bin/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc
mkdir -p "$out"
find . -name '*.proto' | sort | xargs protoc -I . \
	--plugin=protoc-gen-go="$bin/protoc-gen-go" --go_out="$out" --go_opt=paths=source_relative \
	--plugin=protoc-gen-go-grpc="$bin/protoc-gen-go-grpc" --go-grpc_out="$out" --go-grpc_opt=paths=source_relative
