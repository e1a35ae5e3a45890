#version 330 core
// One triangle covering the viewport, without vertex buffers.

out float v_height;

void
main ()
{
  vec2 p = vec2 (float ((gl_VertexID & 1) << 2) - 1.0, float ((gl_VertexID & 2) << 1) - 1.0);

  v_height = 0.5 * (p.y + 1.0);
  gl_Position = vec4 (p, 0.0, 1.0);
}
