#version 330 core
// 2D overlays (orientation marker, scale bar, letters) in pixels, top-left origin.

layout (location = 0) in vec2 a_position;
layout (location = 1) in vec4 a_color;

uniform vec2 u_viewport;

out vec4 v_color;

void
main ()
{
  v_color = a_color;
  gl_Position = vec4 (2.0 * a_position.x / u_viewport.x - 1.0,
                      1.0 - 2.0 * a_position.y / u_viewport.y, 0.0, 1.0);
}
