#version 330 core
// Models: world position for the section plane, eye-space position and normal for shading.

layout (location = 0) in vec3 a_position;
layout (location = 1) in vec4 a_normal;   // packed 10:10:10:2, normalised
layout (location = 2) in vec4 a_color;    // per-vertex colour when the model has them

uniform mat4 u_model;
uniform mat4 u_view;
uniform mat4 u_projection;
uniform mat3 u_normal_matrix;             // inverse transpose of u_model's 3 × 3, times u_view's
uniform vec4 u_clip_plane;                // (n, d): keeps n·x ≤ d; (0, 0, 0, 1) keeps all

out vec3 v_position_eye;
out vec3 v_normal_eye;
out vec3 v_color;

void
main ()
{
  vec4 world = u_model * vec4 (a_position, 1.0);
  vec4 eye = u_view * world;

  gl_ClipDistance[0] = u_clip_plane.w - dot (u_clip_plane.xyz, world.xyz);
  v_position_eye = eye.xyz;
  v_normal_eye = u_normal_matrix * a_normal.xyz;
  v_color = a_color.rgb;
  gl_Position = u_projection * eye;
}
