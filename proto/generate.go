// Package proto holds the gRPC API of the speller as .proto files, and the Go code generated from them in
// one package per API version (speller/v1 is package spellerv1). Regenerate after editing a .proto file, and
// check in CI that the committed code is current:
//
//	go generate ./proto/
//	sh proto/check-generated.sh
//	buf lint proto/
package proto

//go:generate sh generate.sh
