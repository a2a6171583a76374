# Heard in a container: a static build of cmd/heard on a small base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -tags ferretdb_no_postgresql -o /out/heard ./cmd/heard

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 heard && mkdir /data && chown heard /data
USER heard
COPY --from=build /out/heard /heard
ENV HEARD_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/heard"]
