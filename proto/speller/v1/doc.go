// Package spellerv1 is the generated Go code of the speller API, version 1 (speller.proto): the messages, a
// client and the server interface of SpellerService. Regenerate it with `go generate ./proto/`.
//
//	conn, err := grpc.NewClient("localhost:50051", grpc.WithTransportCredentials(insecure.NewCredentials()))
//	c := spellerv1.NewSpellerServiceClient(conn)
//	resp, err := c.Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
package spellerv1
