#version 330 core
// A CT slice plane inside the 3D scene: a rectangle origin + s·edge_u + t·edge_v (LPS mm,
// s and t in [0, 1]) made of two triangles from the vertex index alone.

uniform mat4 u_view_projection;
uniform vec3 u_origin;
uniform vec3 u_edge_u;
uniform vec3 u_edge_v;

out vec3 v_lps;
out vec2 v_st;

void
main ()
{
  const vec2 corners[6] = vec2[6] (vec2 (0.0, 0.0), vec2 (1.0, 0.0), vec2 (1.0, 1.0),
                                   vec2 (0.0, 0.0), vec2 (1.0, 1.0), vec2 (0.0, 1.0));
  vec2 st = corners[gl_VertexID];

  v_st = st;
  v_lps = u_origin + st.x * u_edge_u + st.y * u_edge_v;
  gl_Position = u_view_projection * vec4 (v_lps, 1.0);
}
