# spelld in a container: the embedded default model, gRPC on 50051, JSON over HTTP on 8080, metrics, health
# and pprof on 9090 (the admin port: keep it inside the cluster).
#
#   docker build -t spelld .
#   docker run --rm -p 50051:50051 -p 8080:8080 -p 9090:9090 spelld
#   docker run --rm -e GOMEMLIMIT=900MiB -m 1g -p 50051:50051 spelld   # a soft heap limit under the container's (README: Memory)
#   docker run --rm -p 50051:50051 -v /srv/models:/models:ro spelld --model /models/en.model   # flags follow the entry point's
#
# Two stages: the build in the Go image, then the static binary alone on a distroless base (no shell, no
# package manager), run as an unprivileged user. cmd/spelld's TestDockerfile runs this file's build command
# and entry point on the host (where no Docker engine is needed) and checks the stages and the user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/spelld ./cmd/spelld

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/spelld /usr/local/bin/spelld
USER nonroot:nonroot
EXPOSE 50051 8080 9090
ENTRYPOINT ["/usr/local/bin/spelld", "--listen", "0.0.0.0:50051", "--http", "0.0.0.0:8080", "--admin", "0.0.0.0:9090"]
