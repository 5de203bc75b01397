#!/bin/sh
# generate.sh [OUT]: regenerates the Go code of the .proto files under this directory into OUT (default: this
# directory, next to the .proto files): the messages and gRPC code, the grpc-gateway HTTP/JSON handlers
# (.pb.gw.go) and the OpenAPI v2 document (.swagger.json), both from the HTTP mapping in <name>_http.yaml next
# to each .proto file that has one (and the document's options in <name>_openapi.yaml). The protoc plugins are built from the versions that go.mod pins with its
# tool directive, so every machine generates the same code; protoc is Debian's protobuf-compiler.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
command -v protoc >/dev/null || { echo "generate.sh: protoc not found (apt-get install -y protobuf-compiler)" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cd "$here"
for plugin in google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc \
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2; do
	go build -o "$bin/${plugin##*/}" "$plugin"
done
mkdir -p "$out"
find . -name '*.proto' | sort | xargs protoc -I . \
	--plugin=protoc-gen-go="$bin/protoc-gen-go" --go_out="$out" --go_opt=paths=source_relative \
	--plugin=protoc-gen-go-grpc="$bin/protoc-gen-go-grpc" --go-grpc_out="$out" --go-grpc_opt=paths=source_relative
for http in $(find . -name '*_http.yaml' | sort); do
	openapi_opt=grpc_api_configuration=$http
	if [ -f "${http%_http.yaml}_openapi.yaml" ]; then
		openapi_opt=$openapi_opt,openapi_configuration=${http%_http.yaml}_openapi.yaml
	fi
	protoc -I . "${http%_http.yaml}.proto" \
		--plugin=protoc-gen-grpc-gateway="$bin/protoc-gen-grpc-gateway" --grpc-gateway_out="$out" \
		--grpc-gateway_opt=paths=source_relative,grpc_api_configuration="$http" \
		--plugin=protoc-gen-openapiv2="$bin/protoc-gen-openapiv2" --openapiv2_out="$out" \
		--openapiv2_opt="$openapi_opt"
done
