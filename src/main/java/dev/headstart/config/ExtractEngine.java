package dev.headstart.config;

/** Where extract runs the backbone: in this JVM, or as an Apache Spark job (the spark module). */
public enum ExtractEngine implements Choice {
  LOCAL,
  SPARK
}
