package model

// Wrap frames raw section bytes as a file, so fuzzing reaches the section decoders past the checksum.
func Wrap(raw []byte) []byte {
	b, err := frame(raw)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeTerms exposes decodeTerms to the tests.
var DecodeTerms = decodeTerms

// DecodeFeedback exposes decodeFeedback to the tests.
var DecodeFeedback = decodeFeedback
