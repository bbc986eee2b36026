# syntax=docker/dockerfile:1
# The gateway image. Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t tollgate/gateway .

# --- build: the Maven wrapper and a JDK; dependencies first so code edits reuse the cached layer
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY embedding/pom.xml embedding/
COPY embedding-sidecar/pom.xml embedding-sidecar/
COPY gateway/pom.xml gateway/
RUN ./mvnw -q -B -pl gateway -am dependency:go-offline || true
COPY embedding/src/ embedding/src/
COPY gateway/src/ gateway/src/
RUN ./mvnw -q -B -pl gateway -am -DskipTests package

# --- run: a JRE only, an unprivileged user, memory sized from the container's limit
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 tollgate && useradd --system --uid 10001 --gid tollgate --home-dir /app tollgate \
    && mkdir -p /app/data /etc/tollgate && chown -R tollgate:tollgate /app
WORKDIR /app
COPY --from=build /src/gateway/target/tollgate.jar /app/tollgate.jar
USER 10001:10001
# Heap as a share of the container's memory limit (not of the host's); the rest is for ONNX Runtime's
# native memory (the in-process embedding model), Netty's direct buffers and metaspace.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -XX:+UseG1GC" \
    PORT=8080
EXPOSE 8080
# java -jar keeps the command line short: ONNX Runtime crashes the JVM when it is 4 KiB or longer.
ENTRYPOINT ["java", "-jar", "/app/tollgate.jar"]
