#version 330 core
// Blinn–Phong with a headlight (the light sits at the eye); back faces, seen through a section
// without a cap, are darker so the inside reads as inside.

in vec3 v_position_eye;
in vec3 v_normal_eye;
in vec3 v_color;

uniform vec4 u_color;        // rgb, opacity
uniform int u_flat;          // 1: plain u_color (wireframe)
uniform int u_orthographic;  // 1: parallel view rays
uniform float u_highlight;   // 0–1, the selected model
uniform int u_vertex_colors; // 1: v_color instead of u_color.rgb

out vec4 frag_color;

void
main ()
{
  if (u_flat == 1)
    {
      frag_color = u_color;
      return;
    }

  vec3 v = u_orthographic == 1 ? vec3 (0.0, 0.0, 1.0) : normalize (-v_position_eye);
  vec3 n = v_normal_eye;
  if (dot (n, n) < 1e-12)
    n = cross (dFdx (v_position_eye), dFdy (v_position_eye));  // degenerate: face normal
  n = normalize (n);
  if (!gl_FrontFacing)
    n = -n;

  // Headlight: light and view directions coincide, so the half vector is v.
  float diffuse = max (dot (n, v), 0.0);
  float specular = pow (diffuse, 48.0);
  vec3 base = u_vertex_colors == 1 ? v_color : u_color.rgb;
  vec3 color = base * (0.22 + 0.78 * diffuse) + vec3 (0.22 * specular);
  if (!gl_FrontFacing)
    color *= 0.55;
  if (u_highlight > 0.0)
    color = mix (color, vec3 (1.0, 0.72, 0.25), u_highlight * (0.15 + 0.45 * (1.0 - diffuse)));
  frag_color = vec4 (color, u_color.a);
}
