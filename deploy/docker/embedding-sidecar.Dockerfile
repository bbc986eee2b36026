# syntax=docker/dockerfile:1
# The embedding sidecar image (OpenAI-compatible /v1/embeddings on ONNX Runtime). Build from the
# repository root:
#   docker build -f deploy/docker/embedding-sidecar.Dockerfile -t tollgate/embedding-sidecar .

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY embedding/pom.xml embedding/
COPY embedding-sidecar/pom.xml embedding-sidecar/
COPY gateway/pom.xml gateway/
RUN ./mvnw -q -B -pl embedding-sidecar -am dependency:go-offline || true
COPY embedding/src/ embedding/src/
COPY embedding-sidecar/src/ embedding-sidecar/src/
RUN ./mvnw -q -B -pl embedding-sidecar -am -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 tollgate && useradd --system --uid 10001 --gid tollgate --home-dir /app tollgate \
    && mkdir -p /app && chown -R tollgate:tollgate /app
WORKDIR /app
COPY --from=build /src/embedding-sidecar/target/tollgate-embedding-sidecar-exec.jar /app/embedding-sidecar.jar
USER 10001:10001
# The model's weights are native memory (ONNX Runtime), outside the heap: keep the heap share low.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError" \
    PORT=8091
EXPOSE 8091
ENTRYPOINT ["java", "-jar", "/app/embedding-sidecar.jar"]
